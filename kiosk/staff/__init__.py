"""Staff and technician accounts (``accounts``), who may do what (``roles``), and the core
services staff mode calls (``desk``)."""
