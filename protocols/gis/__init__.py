"""Exchange with ГИС ЖКХ (GIS.md): the facts a protocol needs (facts), the importVotingProtocolRequest built from them
(request, pure), its XAdES signature (signature), the SOAP client (client) and the delivery job (delivery); the JSON
results for people (results)."""
