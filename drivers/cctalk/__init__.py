"""ccTalk coin acceptors and bill validators: codec, drivers and emulators."""
