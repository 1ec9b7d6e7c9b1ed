"""Referrals: a service asked of an agency (or of the 111 line) for a case, answered and followed (NĐ 56 Art. 29)."""
