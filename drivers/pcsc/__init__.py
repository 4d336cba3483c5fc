"""PC/SC contactless card readers through pyscard (optional extra ``pcsc``).

Import :mod:`drivers.pcsc.reader` only where pyscard is installed; :mod:`drivers.pcsc.uid` is pure.
"""
