"""Moments of a meeting's life other packages act on (the ballots log starts at opening and ends at close),
so that `voting` never imports them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Meeting; keyword `at`: the instant (UTC). Receivers work in the same transaction.
meeting_opened = _signals.signal("meeting-opened")
meeting_closed = _signals.signal("meeting-closed")
# keyword `result`: the oss-result/1 kept with the meeting
meeting_counted = _signals.signal("meeting-counted")
# sender: the key id (str) of a device key just revoked
key_revoked = _signals.signal("key-revoked")
