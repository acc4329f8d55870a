"""The other retention experiences: roadmap builder, expansion opportunity finder, enablement
path, advocacy story builder, and the natural next steps that chain them."""
