"""Connectors from API descriptions: OpenAPI 3.0/3.1, Swagger 2.0 and Postman Collection 2.1
become template-only REST connectors (`io.camunda:http-json:1` element templates).

reading (parse, recognise, validate, check `$ref`s) -> openapi / postman (a neutral `Api`)
-> generating (element templates) -> services (preview, then import into the catalogue).
docs/api-import.md describes the mapping.
"""
