"""The price-monitor Pulumi component library: stack settings and the components they drive."""
