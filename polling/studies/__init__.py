"""Research clients' studies: drafting, feasibility, quotes, review, invitations and fieldwork."""

#: The study id in every studies route, web and API (within a 32-bit key, so no id overflows).
STUDY_ID = "<int(max=2147483647):study_id>"
