"""Plans made before the deliveries are known (issue 22): sampled futures, the two-stage plan, robust win-win,
and the yardsticks of stochastic programming."""
