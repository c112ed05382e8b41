"""Offline engines behind the local network's provider brokers: pure functions, no network I/O.

They are small and honest stand-ins, not real models: a rule/retrieval chat engine, a procedural
image painter, a Pillow image editor and PocketSphinx speech-to-text.
"""

from .chat import ChatEngine
from .edit import edit_image
from .errors import EngineError
from .image import generate_images
from .stt import Transcript, transcribe

__all__ = ["ChatEngine", "EngineError", "Transcript", "edit_image", "generate_images", "transcribe"]
