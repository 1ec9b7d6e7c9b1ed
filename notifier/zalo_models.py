"""The Zalo OA's current token pair: refresh tokens are single-use, so they are kept, encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.db import Base, UtcDateTime


class ZaloToken(Base):
    __tablename__ = "zalo_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)  # one row: the OA of this installation
    access_token: Mapped[str] = mapped_column(EncryptedText)
    refresh_token: Mapped[str] = mapped_column(EncryptedText)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
