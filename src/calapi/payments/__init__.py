"""Paid bookings: a payment per booking through a provider (Stripe), the slot held unpaid until it
is paid or the hold runs out, and the provider's signed events handled once each."""
