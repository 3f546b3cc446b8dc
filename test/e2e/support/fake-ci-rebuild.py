# Run by test/e2e/bin/spack as `spack python` in place of `spack ci rebuild`, which compiles from
# source. It takes the same decisions as Spack 0.21.2's `ci rebuild` (lib/spack/spack/cmd/ci.py)
# with the same Spack functions: the job's spec from SPACK_JOB_SPEC_DAG_HASH, nothing to do when a
# mirror already has it, signing required by SPACK_REQUIRE_SIGNING, dependencies only from the
# build cache, signatures checked when a public key is trusted, and the push into the
# `buildcache-destination` mirror or else SPACK_REMOTE_MIRROR_OVERRIDE / SPACK_REMOTE_MIRROR_URL,
# signed when Spack holds exactly one secret key. Only the build itself is `install --fake`.
# Unlike Spack (which only warns), a failed push fails the job, so the end-to-end run sees it;
# and where Spack cannot run gpg at all (offline: see gpg_usable), it pushes unsigned.
import os
import subprocess
import sys

import llnl.util.tty as tty

import spack.binary_distribution as bindist
import spack.ci as spack_ci
import spack.environment as ev
import spack.mirror
import spack.paths

env = ev.active_environment()
if env is None:
    tty.die("spack ci rebuild requires an active environment")
dag_hash = os.environ.get("SPACK_JOB_SPEC_DAG_HASH")
if not dag_hash:
    tty.die("SPACK_JOB_SPEC_DAG_HASH is not set: run this as a job of `spack ci generate`")
try:
    job_spec = env.get_one_by_hash(dag_hash)
except AssertionError:
    tty.die("Could not find environment spec with hash {0}".format(dag_hash))


def gpg_usable():
    """Spack reaches gpg only through its bootstrap configuration, which needs clingo importable
    and bootstrapping enabled; an offline Spack has neither, and then no key can be used."""
    try:
        spack_ci.can_verify_binaries()
        return True
    except RuntimeError as error:
        tty.warn("Spack cannot use gpg here ({0}): no signing, no signature checks".format(error))
        return False


has_gpg = gpg_usable()
require_signing = os.environ.get("SPACK_REQUIRE_SIGNING", "").lower() == "true"
sign_binaries = has_gpg and spack_ci.can_sign_binaries()
if require_signing and not sign_binaries:
    tty.die("SPACK_REQUIRE_SIGNING=True => spack must have exactly one signing key")

mirrors = spack.mirror.MirrorCollection(binary=True)
if "buildcache-destination" in mirrors:
    destination = mirrors["buildcache-destination"].push_url
else:
    destination = os.environ.get("SPACK_REMOTE_MIRROR_OVERRIDE") or os.environ.get(
        "SPACK_REMOTE_MIRROR_URL"
    )
if not destination:
    tty.die("no mirror to push to: no buildcache-destination mirror and no SPACK_REMOTE_MIRROR_URL")

rebuild_everything = os.environ.get("SPACK_REBUILD_EVERYTHING", "").lower() == "true"
matches = None if rebuild_everything else bindist.get_mirrors_for_spec(job_spec, index_only=False)
if matches:
    tty.msg("No need to rebuild {0}, found hash match at: ".format(job_spec.name))
    for match in matches:
        tty.msg("    {0}".format(match["mirror_url"]))
    sys.exit(0)

install = [spack.paths.spack_script, "-e", env.path, "install", "--fake"]
verify = has_gpg and spack_ci.can_verify_binaries() and os.environ.get("SPACK_PIPELINE_TYPE") != "spack_pull_request"
if not verify:
    install.append("--no-check-signature")
install += ["--use-buildcache=package:never,dependencies:only", "/" + job_spec.dag_hash()]
tty.msg("Fake build (stand-in for compiling): {0}".format(" ".join(install[1:])))
code = subprocess.call(install)
if code != 0:
    sys.exit(code)

for result in spack_ci.create_buildcache(
    input_spec=job_spec, destination_mirror_urls=[destination], sign_binaries=sign_binaries
):
    if not result.success:
        tty.die("Failed to push {0} to {1}".format(job_spec.format("{name}{@version}{/hash:7}"), result.url))
    tty.msg(
        "Pushed {0} to {1} ({2})".format(
            job_spec.format("{name}{@version}{/hash:7}"), result.url, "signed" if sign_binaries else "unsigned"
        )
    )
