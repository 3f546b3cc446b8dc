"""Print, as JSON, the job attributes Spack's own `ci: pipeline-gen` merge gives a build job of
each root spec of a spack.yaml, and the no-op and reindex jobs. Run with `spack python`."""
import json
import sys

import spack.spec
import spack.util.spack_yaml as syaml
from spack.ci import SpackCI

manifest = syaml.load_config(open(sys.argv[1]).read())["spack"]
ci = SpackCI(manifest["ci"], {}, [])
for root in manifest["specs"]:
    ci.ir["jobs"][root] = {"spec": spack.spec.Spec(root), "attributes": {}}
ir = ci.generate_ir()
print(json.dumps({name: job["attributes"] for name, job in ir["jobs"].items() if name in manifest["specs"] or name in ("noop", "reindex")}))
