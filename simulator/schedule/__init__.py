"""Shift scheduling: heads per shift at least cost, verified and repaired by simulation.

``shifts`` reads the planner's shift patterns, ``solve`` chooses heads and break placements
(an integer program, HiGHS), ``verify`` turns the schedule into a scenario, simulates it and
repairs intervals that miss the target, ``output`` prints and writes the result.
"""
