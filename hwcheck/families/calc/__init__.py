"""Small computations set in other courses: pooling, attention, box overlap, a convolution's
output size (and the hyperparameter that gives one), momentum's terminal velocity, ridge."""
