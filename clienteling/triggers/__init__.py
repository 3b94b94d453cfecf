"""Head-office triggers: rules that turn what customers do into associate tasks or events.

- `favourites`: who a customer's favourite associate is;
- `wishlists`: what the wishlist triggers last saw of each wished-for product;
- `candidates`: per kind of trigger, the customers it holds for now (set-based queries);
- `services`: running a trigger, with deduplication, consent and the contact cap.

Everything reads the journeys and customers history; journeys never imports this package.
"""
