"""Operations statistics: the indicator catalogue, its SQL computations, breakdowns and reports."""
