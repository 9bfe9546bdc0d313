"""Retry policy as a plain dataclass, turned into tenacity's retrying object where it is used.

Every call the agent makes to the ironic-lite API and every image download goes through one of
these, so a retry is always bounded by a number of attempts and a deadline.
"""

import dataclasses

import tenacity


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try: exponential backoff from ``initial`` seconds up to
    ``maximum`` seconds between tries, at most ``attempts`` tries and ``deadline`` seconds."""

    attempts: int = 5
    initial: float = 0.5
    maximum: float = 10.0
    deadline: float = 120.0

    def retrying(self, retry_on: tuple[type[BaseException], ...]) -> tenacity.Retrying:
        """A tenacity ``Retrying`` that retries only on ``retry_on`` and re-raises the last
        error when the policy is spent."""
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(retry_on),
            stop=tenacity.stop_after_attempt(self.attempts)
            | tenacity.stop_after_delay(self.deadline),
            wait=tenacity.wait_exponential(multiplier=self.initial, max=self.maximum),
            reraise=True,
        )
