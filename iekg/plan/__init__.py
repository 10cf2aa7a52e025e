"""Planning forward (issue 23): the target year (``projection``, ``target``), what-if scenarios (``scenario``) and
which majors to change (``optimise``, ``majors``).  Light on purpose: the command line imports this package at
start-up; the modules bring numpy, pandas and scipy when they are used."""

# an optimiser's answer with a plan: proven optimal (within the gap), stopped by the time limit with one
# (feasible), or solved part by part at national scale (approximate: every constraint holds, the optimum is not
# proven) — anything else has no plan
SOLVED = ("optimal", "feasible", "approximate")
