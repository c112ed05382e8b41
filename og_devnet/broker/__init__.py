"""Simulated 0G provider broker (see docs/interfaces.md)."""

from .app import create_app
from .config import ProviderConfig
from .serve import BrokerGroup, start_brokers

__all__ = ["BrokerGroup", "ProviderConfig", "create_app", "start_brokers"]
