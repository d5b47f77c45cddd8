"""``net``: small networks with given weights, evaluated on whole input domains (exercises S, T)."""
