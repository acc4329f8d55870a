"""The vendor's customer accounts and what is known about them: contacts, contracts, usage, success plans."""
