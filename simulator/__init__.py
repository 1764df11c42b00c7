"""An offline AI Music API: the vendor's paths, shapes, lifecycle and errors, with real audio.

It imports nothing from ``bot``: it plays the vendor, and sharing models with the client would
hide disagreements between the two.
"""

from simulator.server import RunningSimulator, create_app, running_simulator
from simulator.state import Knobs

__all__ = ["Knobs", "RunningSimulator", "create_app", "running_simulator"]
