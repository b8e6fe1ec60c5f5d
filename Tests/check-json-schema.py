# check-json-schema.py SCHEMA FILE...: validates each JSON FILE against the JSON Schema SCHEMA
# (draft 2020-12, the schema itself checked first) with python3's jsonschema. The schema tests of
# EvidenceTests and CLITests run it. Exit 0: every file is valid; 1: one is not (the error
# printed); 3: python3 has no jsonschema module.
import json, sys
try:
    import jsonschema
except ImportError:
    print("python3 has no jsonschema module: pip install jsonschema"); sys.exit(3)
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
for f in sys.argv[2:]:
    jsonschema.validate(json.load(open(f)), schema, cls=jsonschema.Draft202012Validator)
