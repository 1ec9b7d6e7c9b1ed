"""The shift's figures on the supervisors' board (issue 23, item 5), from calls played through the IVR."""

from __future__ import annotations

from tests.channels.conftest import LINE_111
from tests.channels.test_voice_intake import _rings
from tests.integration.test_intake_desk import _signed_in


def test_the_board_shows_this_shifts_calls_answered_abandoned_and_the_longest_wait(client, public, operators):
    answered = public.dial(from_="+84911111111", to=LINE_111, keys="2")
    public.answer(_rings()[0].body, to=_rings()[0].to_phone, keys="1")
    public.bridged(answered)  # at once: within 20 s
    gone = public.dial(from_="+84922222222", to=LINE_111, keys="2")
    public.hang_up(gone)  # hung up while waiting
    _signed_in(client, username="truongca", role="shift_lead")
    page = client.get("/bang-giam-sat")
    assert page.status_code == 200
    assert "Số liệu ca trực" in page.text and 'id="shift-figures"' in page.text
    row = page.text.split('class="total"', 1)[1].split("</tr>", 1)[0]
    assert "<td>2</td>" in row and "1/1 (100 %)" in row and "<td>1</td>" in row
    assert "+84911111111" not in page.text and "+84922222222" not in page.text
    english = client.get("/bang-giam-sat?lang=en")
    assert "figures (since" in english.text and "Answered within 20 s" in english.text
