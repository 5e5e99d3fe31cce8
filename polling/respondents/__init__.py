"""What polls and paid surveys share about the people who answer them.

- :mod:`~polling.respondents.keys`: the keyed hash that stands in for a member in votes and answers;
- :mod:`~polling.respondents.demographics`: the weighting demographics stored with an answer;
- :mod:`~polling.respondents.targeting`: who may take part in a study, and why not.
"""
