"""Optimizer traces (sgd, adam, adamw, rmsprop, adagrad) and gradient descent on a quadratic."""
