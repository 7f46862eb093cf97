"""Consent: permissions as facts about customers, recorded, shown, enforced and audited."""
