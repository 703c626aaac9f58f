"""Tracked e-mails (sales and marketing) and their tracking events: sent, bounced or delivered, opened
(sometimes twice), clicked, unsubscribed. Sales e-mails are opened more often and sooner than campaigns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EVENT_TYPES = ("sent", "delivered", "bounced", "opened", "clicked", "unsubscribed")
SENT, DELIVERED, BOUNCED, OPENED, CLICKED, UNSUBSCRIBED = range(6)


@dataclass
class Emails:
    """E-mail messages: who sent them to whom (index -1: none) and when."""

    sent_at: np.ndarray
    campaign: np.ndarray  # index into the campaign list, -1 for sales e-mails
    rep: np.ndarray
    lead: np.ndarray
    contact: np.ndarray
    seq: np.ndarray  # creation order (breaks ties when numbering)

    def __len__(self) -> int:
        return len(self.sent_at)

    @staticmethod
    def concat(parts: list[Emails]) -> Emails:
        return Emails(*(np.concatenate([getattr(p, f) for p in parts]) for f in Emails.__dataclass_fields__))

    def take(self, index: np.ndarray) -> Emails:
        return Emails(*(getattr(self, f)[index] for f in self.__dataclass_fields__))


@dataclass
class EmailEvents:
    """Tracking events, flat: e-mail index, event type, moment."""

    email: np.ndarray
    kind: np.ndarray
    at: np.ndarray

    def __len__(self) -> int:
        return len(self.email)


def email_events(
    rng: np.random.Generator, sent_at: np.ndarray, marketing: np.ndarray, cutoff: int
) -> EmailEvents:
    """The tracking events of each e-mail up to the cutoff, in time order per e-mail."""
    n = len(sent_at)
    marketing = np.broadcast_to(np.asarray(marketing, bool), n)
    u = rng.random((6, n))
    bounced = u[0] < np.where(marketing, 0.045, 0.025)
    bounced_at = sent_at + rng.integers(5, 121, n)
    delivered_at = sent_at + rng.integers(2, 91, n)
    opened = ~bounced & (u[1] < np.where(marketing, 0.22, 0.5))
    delay = np.minimum(np.exp(rng.normal(np.where(marketing, math.log(180.0), math.log(80.0)), 1.3)), 20_000)
    opened_at = delivered_at + (delay * 60).astype(np.int64)
    again = opened & (u[2] < 0.3)
    again_at = opened_at + (np.exp(rng.normal(math.log(360.0), 1.0, n)) * 60).astype(np.int64)
    clicked = opened & (u[3] < np.where(marketing, 0.12, 0.2))
    clicked_at = opened_at + rng.integers(5, 301, n)
    unsubscribed = ~bounced & (u[4] < np.where(marketing, 0.004, 0.002))
    unsubscribed_at = delivered_at + (np.exp(rng.normal(math.log(120.0), 1.0, n)) * 60).astype(np.int64)
    index = np.arange(n)
    columns = [
        (np.ones(n, bool), SENT, sent_at),
        (bounced, BOUNCED, bounced_at),
        (~bounced, DELIVERED, delivered_at),
        (opened, OPENED, opened_at),
        (again, OPENED, again_at),
        (clicked, CLICKED, clicked_at),
        (unsubscribed, UNSUBSCRIBED, unsubscribed_at),
    ]
    email = np.concatenate([index[m & (t < cutoff)] for m, _, t in columns])
    kind = np.concatenate([np.full(int((m & (t < cutoff)).sum()), k) for m, k, t in columns])
    at = np.concatenate([t[m & (t < cutoff)] for m, _, t in columns])
    order = np.lexsort((kind, at, email))
    return EmailEvents(email[order], kind[order].astype(np.int8), at[order])


def opted_out(events: EmailEvents, n: int) -> np.ndarray:
    """E-mails that bounced or led to an unsubscribe (the address is not mailed again)."""
    out = np.zeros(n, bool)
    out[events.email[(events.kind == BOUNCED) | (events.kind == UNSUBSCRIBED)]] = True
    return out
