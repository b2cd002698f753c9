"""Where Innspill keeps residents, their interview state and their problems (SQLModel).

``models`` defines the tables; the ``queries`` package (one module per concept) is the only
place that reads or writes them; ``engine`` makes engines, sessions and runs the migrations.
"""
