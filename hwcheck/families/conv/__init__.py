"""The convolution toolkit: conv-matrix, conv-backprop, conv-cost and separable.

``geometry`` holds the padding/stride/dilation arithmetic, ``numeric`` the vectorised
forward and backward passes (numpy, float64 or exact Fractions), ``matrix`` the convolution
written as a matrix, ``backprop`` the gradients, ``cost`` the direct-vs-FFT operation counts
and ``separable`` the rank-1 test. ``commands`` holds the runners named in the registry.
"""
