"""Demo and scale-test data: the demo city (`gongzhi demo`) and the bulk generator (`gongzhi generate`).

Nothing in here runs on a live site; no app imports this package (tests/test_layers.py checks it).
It is a Django app only so that Django finds its two management commands; it has no models.

    organisation.py   the territory, departments and an account for every role (core models)
    people.py         invented names, phone numbers and resident ID numbers
    appeal_texts.py   the category tree with the appeal texts, places' names and reply phrases
    appeals.py        the appeals part: categories, and 90 days of appeals through the real services
    safety.py         the safety part: police incidents, informants' reports and bulletins
    builder.py        builds the city in order (organisation, appeals, then each app's own part)
    generate.py       the bulk generator of appeals, events and KPI facts for scale tests
"""
