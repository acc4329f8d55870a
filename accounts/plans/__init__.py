"""Success plans (goals, KPIs, measurements, milestones), plan templates, value drivers and value checkpoints."""
