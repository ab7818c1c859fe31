"""The one table of words for stored values shown to people: every enum a page, PDF, mail or export for people
prints, by group and plain value (the kernel imports no feature, so values are strings, not the features' enums)."""

from __future__ import annotations

from enum import Enum

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

LABELS: dict[str, dict[str, object]] = {
    "meeting_kind": {"annual": _l("годовое"), "extraordinary": _l("внеочередное")},
    "meeting_kind_genitive": {"annual": _l("годового"), "extraordinary": _l("внеочередного")},
    "meeting_form": {"electronic": _l("заочное голосование с использованием системы"),
                     "absentee": _l("заочное голосование"), "in_person": _l("очное"), "mixed": _l("очно-заочное")},
    "meeting_state": {"draft": _l("черновик"), "announced": _l("объявлено"), "voting": _l("идёт голосование"),
                      "closed": _l("голосование окончено"), "counted": _l("подсчитано"),
                      "signed": _l("протокол подписан"), "submitted": _l("передано в инспекцию"),
                      "cancelled": _l("отменено")},
    "officer_role": {"chair": _l("председатель"), "secretary": _l("секретарь"),
                     "counter": _l("член счётной комиссии")},
    "signer_role": {"operator": _l("Оператор системы"), "chair": _l("Председатель собрания"),
                    "secretary": _l("Секретарь собрания"), "counter": _l("Член счётной комиссии"),
                    "initiator": _l("Инициатор собрания"),
                    "owner": _l("Собственник, голосовавший «за» создание ТСЖ")},
    "channel": {"platform": _l("на странице собрания в системе"), "email": _l("по электронной почте"),
                "gis_zhkh": _l("в ГИС ЖКХ"), "stairwell": _l("в подъездах (в месте, определённом решением собрания)"),
                "registered_letter": _l("заказными письмами"), "hand_delivery": _l("вручением под подпись")},
    "choice": {"for": _l("за"), "against": _l("против"), "abstain": _l("воздержался")},
    "rule": {"majority_of_participants": _l("более половины голосов принявших участие"),
             "majority_of_all": _l("более половины всех голосов собственников"),
             "two_thirds_of_all": _l("не менее двух третей всех голосов собственников"),
             "unanimous": _l("все собственники (100 % голосов)")},
    "decision_source": {"online": _l("в системе"), "paper": _l("на бумаге"), "in_person": _l("очно")},
    "rejection": {"not_an_owner": _l("не собственник"), "late": _l("получено после окончания голосования"),
                  "before_opening": _l("получено до начала голосования"),
                  "proxy_expired": _l("истёк срок доверенности"),
                  "proxy_revoked": _l("доверенность отозвана: собственник ранее проголосовал сам (личное решение "
                                      "собственника отменяет доверенность на это собрание)"),
                  "duplicate": _l("учтено другое решение по этому помещению (более позднее решение того же "
                                  "собственника или решение совместного собственника, полученное первым)"),
                  "premises_mismatch": _l("помещение не принадлежит")},
    "gis_delivery": {"queued": _l("в очереди"), "sent": _l("отправлен, ГИС ЖКХ обрабатывает"),
                     "waiting": _l("ожидание ответа"), "retry": _l("нет ответа, повтор"), "accepted": _l("принят"),
                     "refused": _l("отклонён"), "failed": _l("не доставлен"),
                     "renumber": _l("протокол не переформирован с новым номером")},
    "claim_status": {"pending": _l("на рассмотрении"), "approved": _l("подтверждена"), "rejected": _l("отклонена")},
    "proxy_status": {"pending": _l("на проверке"), "approved": _l("принята"), "rejected": _l("отклонена")},
    "outcome": {"all": _l("все решения приняты"), "some": _l("приняты не все"), "none": _l("ничего не принято"),
                "no_quorum": _l("нет кворума"), "pending": _l("не подсчитано")},
    "premises_kind": {"residential": _l("жилое"), "non_residential": _l("нежилое"), "parking": _l("машино-место")},
    "ownership_kind": {"individual": _l("индивидуальная"), "shared": _l("долевая"), "joint": _l("совместная"),
                       "public": _l("публичная")},
    "owner_kind": {"person": _l("гражданин"), "organisation": _l("организация"),
                   "public_body": _l("публично-правовое образование")},
    "organisation_kind": {"management_company": _l("управляющая организация"), "hoa": _l("ТСЖ"),
                          "housing_coop": _l("ЖСК"), "inspection": _l("жилищная инспекция"),
                          "operator": _l("оператор системы")},
    "link_method": {"code": _l("по коду из письма"), "claim": _l("по заявке с выпиской ЕГРН"),
                    "demo": _l("демонстрационная связь")},
    "render_state": {"queued": _l("в очереди"), "rendering": _l("формируется"), "ready": _l("готов"),
                     "failed": _l("ошибка")},
    "security_event": {
        "sign_in": _l("вход"), "sign_in_failed": _l("неудачный вход"), "sign_out": _l("выход"),
        "sign_out_everywhere": _l("выход на всех устройствах"), "locked_out": _l("блокировка после попыток"),
        "password_changed": _l("пароль изменён"), "password_reset": _l("пароль сброшен"),
        "registered": _l("регистрация"), "email_confirmed": _l("почта подтверждена"),
        "totp_enrolled": _l("подключено приложение кодов"), "role_changed": _l("роли изменены"),
        "link_created": _l("связь с помещением создана"), "link_ended": _l("связь с помещением прекращена"),
        "claim_decided": _l("решение по заявке"), "codes_issued": _l("коды выпущены"),
        "code_failed": _l("неверный код собственника"), "proxy_decided": _l("решение по доверенности"),
        "key_registered": _l("ключ подписи зарегистрирован"), "key_revoked": _l("ключ подписи отозван"),
        "personal_data_viewed": _l("просмотр персональных данных"), "guest_granted": _l("выдан гостевой доступ")},
    # the fixed details the security log stores in English (its records are kept as written)
    "security_detail": {
        "unknown account": _l("нет такой учётной записи"), "wrong password": _l("неверный пароль"),
        "e-mail not confirmed": _l("почта не подтверждена"), "wrong one-time code": _l("неверный одноразовый код"),
        "too many attempts": _l("слишком много попыток"), "too many one-time codes": _l("слишком много кодов"),
        "ownership code entry": _l("ввод кода собственника"), "expired or revoked code": _l("код истёк или отозван"),
        "unknown or used code": _l("код неизвестен или уже использован"), "register page": _l("страница реестра")},
}


def label(value: object, group: str) -> str:
    """The words for `value` (a plain string or a StrEnum) of `group`, in the reader's language; the value itself
    if the table lacks it (tests/test_labels.py checks that none is missing)."""
    key = value.value if isinstance(value, Enum) else value
    found = LABELS[group].get(str(key)) if key is not None else None
    return str(found) if found is not None else ("—" if key is None else str(key))


def russian(value: object, group: str) -> str:
    """The Russian words for `value`, whatever the reader's language: for protocols and printed forms."""
    with force_locale("ru"):
        return label(value, group)


def choices(group: str, order: tuple[str, ...] | None = None) -> list[tuple[str, object]]:
    """(value, lazy label) pairs for a form's select, in `order` or the table's."""
    table = LABELS[group]
    return [(key, table[key]) for key in (order or tuple(table))]

