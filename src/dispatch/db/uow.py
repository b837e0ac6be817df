"""Unit of work: one transaction around one service call, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Context manager owning a session; ``commit()`` makes the work durable.

    Leaving the block without committing (or by an exception) rolls everything back, so a
    failed request never leaves half its writes behind.
    """

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self.session: Session | None = None
        self._before_commit: list[Callable[[Session], None]] = []

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self.session = None

    @property
    def db(self) -> Session:
        """The open session; only valid inside the ``with`` block."""
        if self.session is None:
            raise RuntimeError("unit of work used outside its with-block")
        return self.session

    def before_commit(self, hook: Callable[[Session], None]) -> None:
        """Run ``hook`` inside the transaction on every commit of this unit of work, so
        its writes land atomically with the work (e.g. marking an idempotency key)."""
        self._before_commit.append(hook)

    def sibling(self) -> UnitOfWork:
        """A new unit of work on the same database without this one's commit hooks: for
        a record that must land although this unit's work did not (a refusal)."""
        return UnitOfWork(self._session_factory)

    def commit(self) -> None:
        for hook in self._before_commit:
            hook(self.db)
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()
