"""A clock the test moves by hand, for code that takes a ``clock`` callable."""


class FakeClock:
    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
