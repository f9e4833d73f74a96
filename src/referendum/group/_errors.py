"""The one exception type for values that fail to decode into the group."""


class GroupError(ValueError):
    """A byte string or integer is not a valid group element or scalar.

    Raised at the edge, on decode: an invalid value never becomes an Element or Scalar.
    """
