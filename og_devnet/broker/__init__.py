"""Simulated 0G provider broker (see docs/interfaces.md)."""

from .app import create_app
from .config import ProviderConfig
from .serve import BrokerGroup, serve, start_brokers, stop_brokers

__all__ = ["BrokerGroup", "ProviderConfig", "create_app", "serve", "start_brokers", "stop_brokers"]
