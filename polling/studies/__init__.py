"""Research clients' studies: drafting, feasibility, quotes, review, invitations and fieldwork."""
