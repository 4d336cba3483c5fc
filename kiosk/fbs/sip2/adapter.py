"""``Sip2FbsPort``: FBS over SIP2 (raw TCP with 93 Login, or FBS's HTTPS envelope).

Error detection: each request carries ``AY`` (0–9, wrapping) and ``AZ``. A reply with a bad or
missing checksum, or an ``AZ`` without ``AY``, is asked for again once with 97; a 96 reply (with
or without ``AZ``) means the server did not read our request, which is sent once more; a reply
with another sequence number (a late answer to an earlier request) is an error and the connection
is closed so the next request starts clean.

Claims come from 63 Patron Information with the fine-items summary. FBS's fine item ``AV`` is
``itemId%feeId%date%amount%title%author%…``; SIP2 has no payable flag, so a claim is classified by
its date against ``claims.cut_off_date``. 37 Fee Paid goes per fee with ``CG`` = fee id and ``BK``
derived from order id + fee id, so a retry sends the same ``BK``. A payment counts as registered
only on ``38Y``; ``38N`` is a refusal with FBS's ``AF`` text; no usable reply is *not registered*.
"""

from __future__ import annotations

import hashlib
import logging
import re
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime

from kiosk.config.fbs import Sip2Settings
from kiosk.domain import BlockKind, BlockReason, Claim, ClaimKind, Material, Patron, PayableIn
from kiosk.fbs.port import (
    FbsError,
    FbsErrorReason,
    FbsHealth,
    FeeRegistration,
    RegistrationStatus,
)
from kiosk.fbs.sip2.codec import Sip2Message, decode, encode, make, sip2_date
from kiosk.fbs.sip2.errors import Sip2ChecksumError, Sip2ProtocolError, Sip2TransportError
from kiosk.fbs.sip2.messages import PATRON_STATUS_NAMES, REPLY_TO
from kiosk.fbs.sip2.transport import (
    HttpsEnvelopeTransport,
    ReceivedLine,
    Sip2Transport,
    StaleConnectionError,
    TcpTransport,
)
from kiosk.money import Money, MoneyError

log = logging.getLogger(__name__)

#: 63 summary with position 3 (fine items) set.
FINE_ITEMS_SUMMARY = "   Y      "
_CARD_LOST = 4
_DEBT_POSITIONS = (10, 11)
_DENIED_POSITIONS = range(4)  # consequences of a block, not a reason of their own
_SAFE_BK = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def transaction_id(order_id: str, fee_id: str) -> str:
    """The ``BK`` for one fee of one order: the same inputs always give the same id."""
    readable = f"{order_id}-{fee_id}"
    if _SAFE_BK.match(readable):
        return readable
    return "K" + hashlib.sha256(f"{order_id}\x00{fee_id}".encode()).hexdigest()[:31]


class Sip2FbsPort:
    """The :class:`~kiosk.fbs.port.FbsPort` over SIP2. Thread-safe: one lock per connection."""

    def __init__(
        self,
        settings: Sip2Settings,
        *,
        institution: str,
        cut_off_date: date,
        transport: Sip2Transport | None = None,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.settings = settings
        self.institution = settings.institution or institution
        self.cut_off_date = cut_off_date
        self.transport = transport or make_transport(settings)
        self._now = now
        self._lock = threading.Lock()
        self._seq = 0
        self._login_generation: int | None = None
        self._fresh_claims: dict[str, list[Claim]] = {}

    # -- FbsPort ------------------------------------------------------------------------------
    def authenticate(self, identifier: str, pin: str) -> Patron:
        aa = identifier.strip().replace(" ", "").replace("-", "")
        if not aa or not pin:
            raise FbsError(FbsErrorReason.UNKNOWN_PATRON, "card number or CPR and PIN required")
        reply = self._request(self._patron_information(aa, pin), idempotent=True)
        if reply.get("BL", "Y") != "Y":
            raise FbsError(FbsErrorReason.UNKNOWN_PATRON)
        cq = reply.get("CQ")
        if cq is None:
            raise FbsError(FbsErrorReason.PROTOCOL, "reply does not say whether the PIN is valid")
        if cq != "Y":
            raise FbsError(FbsErrorReason.WRONG_PIN)
        patron = self._patron(reply)
        claims = self._claims(reply)
        with self._lock:
            self._fresh_claims = {patron.id: claims}  # one session at a time on an automat
        return patron

    def claims(self, patron: Patron) -> list[Claim]:
        """The claims read with the authentication, once; after that a new 63 (without PIN)."""
        with self._lock:
            fresh = self._fresh_claims.pop(patron.id, None)
        if fresh is not None:
            return fresh
        reply = self._request(self._patron_information(self._aa(patron), None), idempotent=True)
        if reply.get("BL", "Y") != "Y":
            raise FbsError(FbsErrorReason.UNKNOWN_PATRON)
        return self._claims(reply)

    def register_payment(
        self, patron: Patron, claims: Sequence[Claim], order_id: str
    ) -> list[FeeRegistration]:
        if not order_id:
            raise FbsError(FbsErrorReason.PROTOCOL, "order id required")
        with self._lock:
            self._fresh_claims.pop(patron.id, None)  # what FBS shows is about to change
        results: list[FeeRegistration] = []
        failure = ""
        for claim in claims:
            bk = transaction_id(order_id, claim.id)
            if claim.amount is None:  # never planned; a 37 needs the amount (BV)
                results.append(
                    FeeRegistration(
                        claim.id, RegistrationStatus.REFUSED, "", "the amount could not be read"
                    )
                )
                continue
            if failure:  # the line is down: do not wait for every fee's timeout
                results.append(
                    FeeRegistration(claim.id, RegistrationStatus.NOT_REGISTERED, "", failure)
                )
                continue
            try:
                reply = self._request(self._fee_paid(patron, claim, bk), idempotent=False)
            except FbsError as exc:
                failure = str(exc)
                results.append(
                    FeeRegistration(claim.id, RegistrationStatus.NOT_REGISTERED, "", failure)
                )
                continue
            results.append(self._registration(claim.id, bk, reply))
        return results

    def end_session(self, patron: Patron) -> bool:
        """35 End Patron Session; True when FBS confirms."""
        message = make(
            "35",
            transaction_date=self._date(),
            AO=self.institution,
            AA=self._aa(patron),
            AC=self.settings.terminal_password,
        )
        return self._request(message, idempotent=True).fixed["end_session"] == "Y"

    def health(self) -> FbsHealth:
        """99 SC Status → 98 ACS Status (after a 93 Login on a new TCP connection)."""
        started = time.perf_counter()
        try:
            reply = self._request(
                make("99", status_code="0", max_print_width="040", protocol_version="2.00"),
                idempotent=True,
            )
        except FbsError as exc:
            return FbsHealth(False, str(exc))
        latency = (time.perf_counter() - started) * 1000
        online = reply.fixed["online_status"] == "Y"
        fee_paid = (reply.get("BX") or "")[9:10] == "Y"
        detail = "online" if online else "FBS reports offline"
        if online and not fee_paid:
            detail = "online, but Fee Paid (37) is not supported"
        return FbsHealth(online and fee_paid, detail, latency)

    def close(self) -> None:
        with self._lock:
            self.transport.close()
            self._login_generation = None

    # -- messages -----------------------------------------------------------------------------
    def _date(self) -> str:
        return sip2_date(self._now())

    def _aa(self, patron: Patron) -> str:
        prefix = self.settings.patron_id_prefix
        if self.settings.send_patron_id_prefix and not patron.id.startswith(prefix):
            return prefix + patron.id
        return patron.id

    def _patron_information(self, aa: str, pin: str | None) -> Sip2Message:
        fields = {"AO": self.institution, "AA": aa, "AC": self.settings.terminal_password}
        if pin is not None:
            fields["AD"] = pin
        return make(
            "63",
            language=self.settings.language,
            transaction_date=self._date(),
            summary=FINE_ITEMS_SUMMARY,
            **fields,
        )

    def _fee_paid(self, patron: Patron, claim: Claim, bk: str) -> Sip2Message:
        assert claim.amount is not None  # register_payment answers unreadable claims itself
        fee_type = claim.fbs_fee_type if len(claim.fbs_fee_type) == 2 else self.settings.fee_type
        return make(
            "37",
            transaction_date=self._date(),
            fee_type=fee_type,
            payment_type=self.settings.payment_type,
            currency_type="DKK",
            BV=claim.amount.to_fbs(),
            AO=self.institution,
            AA=self._aa(patron),
            AC=self.settings.terminal_password,
            CG=claim.id,
            BK=bk,
        )

    def _registration(self, fee_id: str, bk: str, reply: Sip2Message) -> FeeRegistration:
        text = " ".join(a for a in reply.all("AF") if a).strip()
        if reply.fixed["payment_accepted"] != "Y":
            return FeeRegistration(
                fee_id, RegistrationStatus.REFUSED, "", text or "FBS refused the payment (38N)"
            )
        echoed = reply.get("BK")
        if echoed and echoed != bk:
            return FeeRegistration(
                fee_id,
                RegistrationStatus.NOT_REGISTERED,
                "",
                f"38Y for another transaction id {echoed!r}",
            )
        return FeeRegistration(fee_id, RegistrationStatus.REGISTERED, bk, text)

    def _patron(self, reply: Sip2Message) -> Patron:
        patron_id = (reply.get("AA") or "").removeprefix(self.settings.patron_id_prefix)
        if not patron_id:
            raise FbsError(FbsErrorReason.PROTOCOL, "reply has no patron identifier")
        fee_limit = None
        if reply.get("CC"):
            try:
                fee_limit = Money.parse(reply.get("CC") or "")
            except MoneyError as exc:
                raise FbsError(FbsErrorReason.PROTOCOL, f"fee limit CC: {exc}") from None
        return Patron(
            id=patron_id,
            name=reply.get("AE") or "",
            blocks=blocks_from_status(reply.fixed["patron_status"], " ".join(reply.all("AF"))),
            fee_limit=fee_limit,
        )

    def _claims(self, reply: Sip2Message) -> list[Claim]:
        """The 64's fine items as claims. One item that cannot be read never hides the others:
        it becomes an unreadable claim ("ask the staff"), logged by its fee id."""
        claims = []
        for index, item in enumerate(reply.all("AV")):
            try:
                claim = self.parse_fine_item(item)
            except Sip2ProtocolError as exc:
                claim = self.unreadable_fine_item(item, index)
                log.warning("fee %s cannot be read, shown as 'ask the staff': %s", claim.id, exc)
            if claim is not None:
                claims.append(claim)
        ids = [c.id for c in claims]
        if len(ids) != len(set(ids)):
            raise FbsError(FbsErrorReason.PROTOCOL, "the same fee id appears twice")
        return sorted(claims, key=lambda c: (c.created, c.id))

    def parse_fine_item(self, item: str) -> Claim | None:
        """One FBS ``AV`` value → a classified claim; None for an empty item or a zero amount;
        :class:`Sip2ProtocolError` when it cannot be read."""
        if not item.strip():
            return None
        parts = item.split("%")
        if len(parts) < 4:
            raise Sip2ProtocolError(f"not FBS's itemId%feeId%date%amount layout: {item[:40]!r}")
        item_id, fee_id, day, amount = (p.strip() for p in parts[:4])
        if not fee_id:
            raise Sip2ProtocolError("fine item without a fee id")
        created = _fine_item_date(day)
        if created is None:
            raise Sip2ProtocolError(f"fine item {fee_id}: bad date {day[:20]!r}")
        try:
            money = Money.parse(amount)
        except MoneyError as exc:
            raise Sip2ProtocolError(f"fine item {fee_id}: {exc}") from None
        if money.ore == 0:
            return None
        title = parts[4].strip() if len(parts) > 4 else ""
        author = parts[5].strip() if len(parts) > 5 else ""
        materials = (Material(title=title, author=author, item_number=item_id),)
        return Claim(
            id=fee_id,
            kind=ClaimKind.FEE,  # SIP2 does not say fee or compensation
            amount=money,
            created=created,
            payable_in=self._payable_in(created),
            reason=title,
            materials=materials if (item_id or title) else (),
        )

    def unreadable_fine_item(self, item: str, index: int) -> Claim:
        """What can still be read of an ``AV`` item :meth:`parse_fine_item` refused: fee id
        (``unreadable-N`` when there is none), date and title, each only if readable."""
        parts = [p.strip() for p in item.split("%")]
        fee_id = parts[1] if len(parts) > 1 and parts[1] else f"unreadable-{index + 1}"
        created = _fine_item_date(parts[2]) if len(parts) > 2 else None
        return Claim.unreadable(
            fee_id,
            kind=ClaimKind.FEE,
            created=created,
            # no date: where it is payable is unknown, and DEBTOR is the cautious guess
            payable_in=PayableIn.DEBTOR if created is None else self._payable_in(created),
            reason=parts[4] if len(parts) > 4 else "",
        )

    def _payable_in(self, created: date) -> PayableIn:
        return PayableIn.FBS if created < self.cut_off_date else PayableIn.DEBTOR

    # -- the line -----------------------------------------------------------------------------
    def _request(self, message: Sip2Message, *, idempotent: bool) -> Sip2Message:
        with self._lock:
            try:
                try:
                    return self._request_locked(message)
                except StaleConnectionError:
                    if not idempotent:
                        raise
                    return self._request_locked(message)  # the server closed an idle line
            except Sip2TransportError as exc:
                self._login_generation = None
                raise FbsError(FbsErrorReason(exc.reason), str(exc)) from None
            except Sip2ProtocolError as exc:
                self.transport.close()  # resynchronise: a late reply must not be read as ours
                self._login_generation = None
                raise FbsError(FbsErrorReason.PROTOCOL, str(exc)) from None

    def _request_locked(self, message: Sip2Message) -> Sip2Message:
        t = self.transport
        if t.needs_login and (not t.connected or self._login_generation != t.generation):
            self._login()
        return self._exchange(message)

    def _login(self) -> None:
        login = make(
            "93",
            uid_algorithm="0",
            pwd_algorithm="0",
            CN=self.settings.username,
            CO=self.settings.password.get(),
            **({"CP": self.settings.location} if self.settings.location else {}),
        )
        reply = self._exchange(login)
        if reply.fixed["ok"] != "1":
            self.transport.close()
            raise Sip2TransportError("client_auth", "FBS refused the SIP2 login (94 ok=0)")
        self._login_generation = self.transport.generation

    def _exchange(self, message: Sip2Message) -> Sip2Message:
        s = self.settings
        seq = self._seq
        self._seq = (seq + 1) % 10
        charset = getattr(self.transport, "checksum_encoding", s.encoding)
        line = encode(message, sequence=seq, error_detection=s.error_detection, encoding=charset)
        reply_line = self.transport.exchange(line)
        asked_resend = sent_again = False
        while True:
            try:
                raw = reply_line.raw if isinstance(reply_line, ReceivedLine) else None
                reply = decode(reply_line, encoding=charset, raw=raw)
                # a 96 carries no AY, and its AZ may be missing too: it only asks to resend
                if s.error_detection and reply.code != "96":
                    if reply.checksum is None:
                        raise Sip2ChecksumError(
                            f"reply {reply.code} has no AY/AZ trailer (error_detection is on)"
                        )
                    if reply.sequence is None:
                        raise Sip2ChecksumError(
                            f"reply {reply.code} has AZ but no AY (error_detection is on)"
                        )
            except Sip2ChecksumError:
                if asked_resend:
                    raise
                asked_resend = True
                reply_line = self.transport.exchange(encode(make("97"), encoding=charset))
                continue
            if reply.code == "96":
                if sent_again:
                    raise Sip2ProtocolError("FBS asked twice to resend the request (96)")
                sent_again = True
                reply_line = self.transport.exchange(line)
                continue
            break
        if s.error_detection and reply.sequence != seq:
            raise Sip2ProtocolError(f"reply has sequence number {reply.sequence}, sent {seq}")
        if reply.code != REPLY_TO[message.code]:
            raise Sip2ProtocolError(f"reply {reply.code} to request {message.code}")
        return reply


def _fine_item_date(day: str) -> date | None:
    try:
        return datetime.strptime(day, "%Y%m%d").date()
    except ValueError:
        return None


def blocks_from_status(status: str, message: str = "") -> tuple[BlockReason, ...]:
    """Patron status positions → block reasons (card lost; excessive fines/fees; other).

    Positions 0–3 (privileges denied) are what a block does, not why: they give *other* only when
    no reason position is set.
    """
    flagged = [i for i, c in enumerate(status) if c == "Y"]
    blocks: list[BlockReason] = []
    if _CARD_LOST in flagged:
        blocks.append(BlockReason(BlockKind.CARD_STOLEN, "sip2:4", message=PATRON_STATUS_NAMES[4]))
    debt = [i for i in _DEBT_POSITIONS if i in flagged]
    if debt:
        names = ", ".join(PATRON_STATUS_NAMES[i] for i in debt)
        blocks.append(BlockReason(BlockKind.DEBT_LIMIT, f"sip2:{debt[0]}", message=names))
    others = [i for i in flagged if i not in (_CARD_LOST, *_DEBT_POSITIONS, *_DENIED_POSITIONS)]
    for i in others:
        blocks.append(BlockReason(BlockKind.OTHER, f"sip2:{i}", message=PATRON_STATUS_NAMES[i]))
    if not blocks and flagged:
        names = ", ".join(PATRON_STATUS_NAMES[i] for i in flagged)
        blocks.append(BlockReason(BlockKind.OTHER, f"sip2:{flagged[0]}", message=message or names))
    return tuple(blocks)


def make_transport(settings: Sip2Settings) -> Sip2Transport:
    if settings.transport == "https":
        if not settings.url:
            raise ValueError("fbs.sip2.url is required for the https transport")
        return HttpsEnvelopeTransport(
            settings.url,
            settings.username,
            settings.password.get(),
            timeout_s=settings.timeout_s,
            verify=settings.verify_tls,
            checksum_encoding=settings.envelope_checksum_encoding,
        )
    context = None
    if settings.tls:
        context = ssl.create_default_context()
        if not settings.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    return TcpTransport(
        settings.host,
        settings.port,
        timeout_s=settings.timeout_s,
        encoding=settings.encoding,
        tls=settings.tls,
        ssl_context=context,
    )
