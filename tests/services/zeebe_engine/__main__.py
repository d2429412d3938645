"""`python -m tests.services.zeebe_engine`: the test engine in the foreground until Ctrl-C."""

import signal

from . import ZeebeTestEngine

with ZeebeTestEngine() as engine:
    print(f"Zeebe test engine ready\nexport ZEEBE_ADDRESS={engine.address}", flush=True)
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    signal.sigwait(stop_signals)
