"""``hub serve``: real-time webhook intake and the CS Assist inbox app (see ``hub.serve.app``)."""
