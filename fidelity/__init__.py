"""The fidelity suite: real negotiations, historians' labels, and a report scoring the engine against them."""
