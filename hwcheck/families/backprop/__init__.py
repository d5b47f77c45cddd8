"""Backpropagation by hand: dense layers, a recurrent cell through time, computational graphs."""
