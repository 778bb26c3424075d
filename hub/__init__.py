"""The support integration hub: keeps a support team's helpdesk, telephony and stores in step."""

__version__ = "0.1.0"
