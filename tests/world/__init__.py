"""The device world of the crash proof: hardware and FBS in a process that outlives the automat
(``server.py``), its control channel (``client.py``), the automat process (``automat.py``) forked
by a pre-imported zygote (``zygote.py``), and the campaigns and checks (``campaign.py``,
``checks.py``, ``plans.py``)."""
