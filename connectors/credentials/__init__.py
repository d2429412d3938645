"""Named credentials: the hub's store for the `Configuration` property of Camunda 8.10 templates.

A template property of type `Configuration` (e.g. `"configurationTemplate":
"io.camunda:aws-credential:1"`) picks one configuration instance; the Modeler writes the
choice as the input mapping `=camunda.vars.env.<name>` (a Camunda cluster variable). The hub
keeps such instances itself: named, owned, with the fields their embedded configuration
template declares, secret fields encrypted and write-only like secrets (docs/credentials.md).

`references` and `definitions` (plain Python) are what the template translation and the
runtime need; `models`, `store`, `services`, `selectors`, `api`, `views` and `urls` are the Django
side and are imported explicitly.
"""
