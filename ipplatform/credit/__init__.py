"""Credit supervision (信用监管): dishonest entities and rules that flag abnormal transactions."""
