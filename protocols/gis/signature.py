"""The request's XAdES signature (ГИС ЖКХ takes only signed requests): enveloped, the ds:Signature first in the
request (base:BaseType), referring to its Id. By the configured key and certificate (VECHE_GIS_KEY_FILE,
VECHE_GIS_CERT_FILE) with signxml, or by the operator's GOST tool (VECHE_GIS_SIGNER, a "module:function" given the
unsigned request's bytes, answering the signed request's bytes), as for the operator's УКЭП."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from lxml import etree
from signxml import methods
from signxml.xades import XAdESSigner
from werkzeug.utils import import_string

from protocols.gis.request import REQUEST_ID
from voting.core.errors import ConflictError

DS = "http://www.w3.org/2000/09/xmldsig#"


EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


class _Signer(XAdESSigner):
    """signxml's XAdES signer, whose references to SignedProperties and KeyInfo also name their canonicalisation:
    signxml digests them with exclusive c14n but writes no Transform, and a verifier would then take the default
    (inclusive) one, which picks up the SOAP envelope's namespaces."""

    def _add_reference_to_signed_info(self, sig_root: Any, node_to_reference: Any, **attrs: Any) -> None:
        super()._add_reference_to_signed_info(sig_root, node_to_reference, **attrs)
        reference = self._find(sig_root, "SignedInfo")[-1]
        transforms = etree.Element(f"{{{DS}}}Transforms")
        etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
        reference.insert(0, transforms)


def sign_with(element: etree._Element, key: bytes, cert: bytes) -> etree._Element:
    """The request signed in XAdES by a PEM key and certificate."""
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    element.insert(0, placeholder)
    signer = _Signer(method=methods.enveloped, c14n_algorithm=EXC_C14N)
    return signer.sign(element, key=key, cert=cert.decode(), reference_uri=f"#{REQUEST_ID}", id_attribute="Id")


def sign(element: etree._Element) -> etree._Element:
    """The request signed as configured; refused when nothing is configured to sign it."""
    config = current_app.config
    hook = config.get("GIS_SIGNER")
    if hook:
        try:
            signed = import_string(hook)(etree.tostring(element))
            return etree.fromstring(signed)
        except Exception as error:  # the operator's tool is outside: whatever it raises, nothing is sent
            current_app.logger.exception("the operator's ГИС ЖКХ signing tool failed")
            raise ConflictError(_("Подпись запроса в ГИС ЖКХ не получена: %(e)s", e=str(error)[:200])) from None
    key_file, cert_file = config.get("GIS_KEY_FILE"), config.get("GIS_CERT_FILE")
    if not key_file or not cert_file:
        raise ConflictError(_("Обмен с ГИС ЖКХ не настроен: нет ключа и сертификата подписи (VECHE_GIS_KEY_FILE, "
                              "VECHE_GIS_CERT_FILE) или средства подписи оператора (VECHE_GIS_SIGNER)."))
    return sign_with(element, Path(key_file).read_bytes(), Path(cert_file).read_bytes())
