"""FHIR R4 (UK Core) for care and support plans: export, $everything and import as a draft.

``codes`` names the systems and value sets, ``bindings`` checks required bindings (which
``fhir.resources`` does not), ``export`` builds resources, ``importer`` reads a Bundle into a new
draft plan, ``views`` and ``urls`` are the endpoints. See docs/adr/0010-fhir-care-plans.md.
"""
