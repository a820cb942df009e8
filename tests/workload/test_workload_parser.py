"""Job-file parsing: syntax, scoping, includes, substitutions, options and error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from blkswap.workload import JobFileError, parse_jobfile, parse_jobtext
from blkswap.workload.jobspec import JobSpec
from blkswap.workload.options import DEFAULT_PERCENTILES


def job(text: str, **kw: object) -> JobSpec:
    jobs = parse_jobtext(text, "job.fio", env={}, quiet=True, **kw).jobs  # type: ignore[arg-type]
    assert len(jobs) == 1
    return jobs[0]


def err(text: str, **kw: object) -> JobFileError:
    with pytest.raises(JobFileError) as info:
        parse_jobtext(text, "job.fio", env={}, quiet=True, **kw)  # type: ignore[arg-type]
    return info.value


def test_defaults_are_fios() -> None:
    j = job("[a]\n")
    assert (j.rw, j.bs, j.iodepth, j.numjobs, j.rwmixread) == ("read", (4096,) * 3, 1, 1, 50)
    assert (j.size, j.offset, j.runtime_us, j.randseed, j.randrepeat) == (None, 0, 0, 0x89, True)
    assert j.percentile_list == DEFAULT_PERCENTILES and len(j.percentile_list) == 17
    assert (j.verify, j.do_verify, j.loops, j.thinktime_blocks) == ("0", True, 1, 1)
    assert j.options == {} and j.random_distribution == ("random",)


@pytest.mark.parametrize(
    ("line", "want"),
    [
        ("bs=4k,64k", (4096, 65536, 65536)),
        ("bs=,8k", (4096, 8192, 8192)),
        ("bs=8k,32k,", (8192, 32768, 4096)),
        ("bs=64KiB", (64000,) * 3),  # fio quirk: KiB = 1000 under the default kb_base
        ("bs=4ki", (4096, 4096, 4096)),
        ("blocksize=16k", (16384,) * 3),
        ("bs=(2*4k)", (8192,) * 3),
    ],
)
def test_bs_per_direction(line: str, want: tuple[int, int, int]) -> None:
    assert job(f"[a]\n{line}\n").bs == want


def test_kb_base_applies_to_whole_section_and_jobs_below() -> None:
    j = job("[global]\nbs=64k\nkb_base=1000\n[a]\nsize=1KiB\n")
    assert j.bs == (64000,) * 3 and j.size == 1024 and j.kb_base == 1000


def test_block_sizes_must_be_whole_sectors_even_through_the_kib_quirk() -> None:
    # under the default kb_base, 4KiB is 4000 bytes (fio's "opposite units"): not a sector multiple
    with pytest.raises(
        JobFileError, match=r":2: bs: block size 4000 is not a whole number of 512-byte"
    ):
        job("[a]\nbs=4KiB\n")


def test_global_scoping_across_two_globals() -> None:
    text = """
[global]
bs=8k
iodepth=4
[first]
rw=write
[global]
iodepth=32
rw=randread
[second]
[third]
bs=,16k
"""
    jf = parse_jobtext(text, "job.fio", env={}, quiet=True)
    first, second, third = jf.jobs
    assert (first.rw, first.iodepth, first.bs) == ("write", 4, (8192,) * 3)
    assert (second.rw, second.iodepth, second.bs) == ("randread", 32, (8192,) * 3)
    assert third.bs == (8192, 16384, 16384)
    assert jf.global_options == {"bs": "8k", "iodepth": "32", "rw": "randread"}
    assert first.options == {"rw": "write"} and second.options == {}
    assert third.effective == {"bs": ",16k", "iodepth": "32", "rw": "randread"}


def test_comments_and_trailing_comments() -> None:
    j = job(
        "; header\n# another\n[a] ; section comment\n  bs=8k ; note\nrw=write # note\n\n   ;x\n"
    )
    assert j.bs == (8192,) * 3 and j.rw == "write" and j.options == {"bs": "8k", "rw": "write"}


def test_bare_flags_and_bools() -> None:
    j = job(
        "[a]\ntime_based\nruntime=5\nnorandommap\ngroup_reporting\nstonewall\nnew_group\nrandrepeat=0\n"
    )
    assert j.time_based and j.norandommap and j.group_reporting and j.stonewall and j.new_group
    assert j.randrepeat is False and j.options["time_based"] == ""
    assert job("[a]\ntime_based=0\n").time_based is False


def test_bare_bool_is_an_error() -> None:
    e = err("[a]\ndirect\n")
    assert (e.option, e.line) == ("direct", 2) and "requires an argument" in str(e)
    assert err("[a]\nrandrepeat\n").option == "randrepeat"


def test_rw_modes_and_suffix() -> None:
    assert job("[a]\nreadwrite=readwrite\n").rw == "rw"
    j = job("[a]\nrw=randread:8\n")
    assert (j.rw, j.rw_seq_nr, j.rw_seq_add) == ("randread", 8, 0)
    j = job("[a]\nrw=write:4k\n")
    assert (j.rw, j.rw_seq_nr, j.rw_seq_add) == ("write", 1, 4096)
    for mode in ("trim", "randtrim", "trimwrite", "randtrimwrite", "randrw"):
        assert job(f"[a]\nrw={mode}\n").rw == mode
    assert "invalid value" in str(err("[a]\nrw=sideways\n"))
    assert "suffix" in str(err("[a]\nrw=randread:0\n"))


def test_rwmix_last_one_wins() -> None:
    assert job("[a]\nrwmixread=30\nrwmixwrite=40\n").rwmixread == 60
    assert job("[a]\nrwmixwrite=40\nrwmixread=30\n").rwmixread == 30
    assert job("[global]\nrwmixwrite=10\n[a]\n").rwmixread == 90
    assert "out of range" in str(err("[a]\nrwmixread=101\n"))


def test_bssplit_blanks_share_remainder() -> None:
    j = job("[a]\nbssplit=4k/50:1k/:32k/\n")
    assert j.bssplit == (((4096, 50), (1024, 25), (32768, 25)),) * 3
    j = job("[a]\nbssplit=4k/60:16k/25:64k/15,8k/100\n")
    assert j.bssplit[0] == ((4096, 60), (16384, 25), (65536, 15))
    assert j.bssplit[1] == j.bssplit[2] == ((8192, 100),)
    assert job("[a]\nbssplit=,8k/10:16k/90,\n").bssplit == ((), ((8192, 10), (16384, 90)), ())
    assert job("[a]\nbssplit=64k\n").bssplit == (((65536, 100),),) * 3
    e = err("[a]\nbssplit=4k/60:8k/50\n")
    assert e.option == "bssplit" and "> 100" in str(e)


def test_bsrange_swapped_and_per_direction() -> None:
    assert job("[a]\nbsrange=4k-1k\n").bsrange == ((1024, 4096),) * 3
    j = job("[a]\nblocksize_range=1k:4k,8k-32k\n")
    assert j.bsrange == ((1024, 4096), (8192, 32768), (8192, 32768))
    assert job("[a]\nbsrange=1k-4k/8k-32k\n").bsrange[1] == (8192, 32768)
    assert job("[a]\nbs=8k\nbsrange=,1k-2k,\n").bsrange == (
        (8192, 8192),
        (1024, 2048),
        (8192, 8192),
    )


def test_sizes_offsets_and_aliases() -> None:
    j = job("[a]\nsize=20%\noffset=10%\nio_limit=1g\n")
    assert (j.size, j.size_pct, j.offset, j.offset_pct, j.io_size) == (None, 20.0, 0, 10.0, 1 << 30)
    j = job("[a]\nsize=64m\nfileoffset=1m\n")
    assert (j.size, j.size_pct, j.offset) == (64 << 20, None, 1 << 20)
    assert "percentage is not allowed" in str(err("[a]\nio_size=5%\n"))


def test_times() -> None:
    j = job("[a]\nruntime=10\nramp_time=2s\nthinktime=10\nstartdelay=5-1\n")
    assert j.runtime_us == 10_000_000 and j.ramp_time_us == 2_000_000
    assert j.thinktime_us == 10 and j.startdelay_us == (1_000_000, 5_000_000)
    assert job("[a]\ntimeout=1m\n").runtime_us == 60_000_000
    jf = parse_jobtext("[a]\nruntime=10sec\n", "job.fio", env={}, quiet=True)
    assert jf.jobs[0].runtime_us == 10 and any("microseconds" in w for w in jf.warnings)


def test_rates_distribution_and_misc() -> None:
    j = job("[a]\nrate=1m,500k\nrate_iops=,200\n")
    assert j.rate == (1 << 20, 512000, 512000) and j.rate_iops == (None, 200, 200)
    assert job("[a]\nrate=,500k\n").rate == (None, 512000, 512000)
    assert job("[a]\nrandom_distribution=zipf:1.2\n").random_distribution == ("zipf", 1.2, None)
    assert job("[a]\nrandom_distribution=normal:30:0.25\n").random_distribution == (
        "normal",
        30.0,
        0.25,
    )
    assert job("[a]\nrandom_distribution=pareto:0.9\n").random_distribution[:2] == ("pareto", 0.9)
    assert "theta" in str(err("[a]\nrandom_distribution=zipf:1\n"))
    assert job("[a]\nrandom_distribution=zoned:50/5:50/95\n").random_distribution == (
        "zoned", ((50, 5), (50, 95)),
    )  # fmt: skip
    assert "unsupported" in str(err("[a]\nrandom_distribution=gauss:5\n"))
    j = job(
        "[a]\npercentile_list=50:99:99.9\nrandseed=0x1234\nwait_for_previous\nallrandrepeat=0\n"
    )
    assert j.percentile_list == (50.0, 99.0, 99.9) and j.randseed == 0x1234 and j.randseed_set
    assert j.stonewall and j.randrepeat is False
    assert "too many" in str(err("[a]\npercentile_list=" + ":".join(["50"] * 21) + "\n"))
    j = job("[a]\nverify=crc32c\ndo_verify=0\nverify_interval=512\nfsync=4\nfdatasync=8\nloops=3\n")
    assert (j.verify, j.do_verify, j.verify_interval, j.fsync, j.fdatasync, j.loops) == (
        "crc32c", False, 512, 4, 8, 3,
    )  # fmt: skip
    assert job("[a]\ndescription=hello world\n").description == "hello world"


def test_host_only_options_warn_once_and_echo() -> None:
    text = "[global]\ndirect=1\nfilename=/dev/xvdb\n[a]\ndirect=0\n[b]\nioengine=libaio\n"
    jf = parse_jobtext(text, "job.fio", env={}, quiet=True)
    a, b = jf.jobs
    assert a.host_only == {"direct": "0", "filename": "/dev/xvdb"}
    assert b.host_only == {"direct": "1", "filename": "/dev/xvdb", "ioengine": "libaio"}
    assert a.options == {"direct": "0"}
    assert sum("direct" in w for w in jf.warnings) == 1
    assert sum("ioengine" in w for w in jf.warnings) == 1
    assert not any(
        "ioengine" in w
        for w in parse_jobtext("[a]\nioengine=xen-blkfront\n", env={}, quiet=True).warnings
    )


def test_warnings_printed_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    parse_jobtext("[a]\nthread\n", "job.fio", env={})
    assert "job.fio:2: thread: ignored in the lab: fio's threads" in capsys.readouterr().err


def test_lab_options() -> None:
    j = job("[global]\nxen_backend=blkback\n[a]\nxen_persistent_grants=1\n")
    assert j.lab_options == {"xen_backend": "blkback", "xen_persistent_grants": "1"}
    assert j.options == {"xen_persistent_grants": "1"}


def test_env_and_keywords() -> None:
    text = "[a]\nsize=${SIZE}\nbs=${BS}k\ndescription=x${UNDEFINED}y\niodepth=$ncpus\nnumjobs=(2*$ncpus)\n"
    jf = parse_jobtext(text, env={"SIZE": "2m", "BS": "8"}, keywords={"ncpus": 3}, quiet=True)
    j = jf.jobs[0]
    assert (j.size, j.bs[0], j.description, j.iodepth, j.numjobs) == (2 << 20, 8192, "xy", 3, 6)
    assert j.options["size"] == "2m"  # substituted, as fio's job options show
    j = job("[a]\nsize=8*$mb_memory\n", keywords={"mb_memory": 100})
    assert j.size == 800
    assert job("[a]\nbs=$pagesize\n", keywords={"pagesize": 16384}).bs == (16384,) * 3
    assert job("[a]\ndescription=$HOME\n").description == "$HOME"  # plain $VAR is not expanded


def test_error_messages_name_file_line_option() -> None:
    e = err("[a]\nrw=read\n\nbs=4x\n")
    assert str(e) == "job.fio:4: bs: invalid size '4x'"
    assert (e.path, e.line, e.option) == ("job.fio", 4, "bs")
    e = err("[a]\nblocksiz=4k\n")
    assert (
        e.option == "blocksiz"
        and "unknown option" in str(e)
        and "did you mean 'blocksize'" in str(e)
    )
    e = err("bs=4k\n[a]\n")
    assert str(e) == "job.fio:1: bs: option <bs=4k> outside of [] job section"
    assert err("[a]\niodepth=0\n").option == "iodepth"
    assert err("[a\n").line == 1
    assert "no job section named nope" in str(err("[a]\n", sections=["nope"]))
    assert err("[a]\n[global]\nbs=zz\n").option == "bs"  # a trailing [global] is validated too


def test_sections_filter() -> None:
    jf = parse_jobtext("[global]\nbs=8k\n[a]\n[b]\n[c]\n", env={}, sections=["c", "a"], quiet=True)
    assert [j.name for j in jf.jobs] == ["a", "c"] and jf.jobs[1].bs == (8192,) * 3


def test_includes_nested_relative(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "common.fio").write_text("; shared\nbs=16k\ninclude deeper.fio\n")
    (tmp_path / "inc" / "deeper.fio").write_text("iodepth=8\n")
    (tmp_path / "job.fio").write_text("[global]\ninclude inc/common.fio\n[a]\nrw=write\n")
    jf = parse_jobfile(tmp_path / "job.fio", env={}, quiet=True)
    assert jf.jobs[0].bs == (16384,) * 3 and jf.jobs[0].iodepth == 8
    (tmp_path / "inc" / "deeper.fio").write_text("iodepth=zero\n")
    with pytest.raises(JobFileError) as info:
        parse_jobfile(tmp_path / "job.fio", env={}, quiet=True)
    assert info.value.path.endswith("deeper.fio") and info.value.line == 1
    (tmp_path / "inc" / "deeper.fio").write_text("[sneaky]\n")
    with pytest.raises(JobFileError, match="must not contain sections"):
        parse_jobfile(tmp_path / "job.fio", env={}, quiet=True)
    (tmp_path / "self.fio").write_text("bs=4k\ninclude self.fio\n")
    (tmp_path / "loop.fio").write_text("[a]\ninclude self.fio\n")
    with pytest.raises(JobFileError, match="nested deeper"):
        parse_jobfile(tmp_path / "loop.fio", env={}, quiet=True)
    with pytest.raises(JobFileError, match="cannot read"):
        parse_jobtext("[a]\ninclude missing.fio\n", env={}, base_dir=tmp_path)


def test_missing_file_is_a_jobfile_error(tmp_path: Path) -> None:
    with pytest.raises(JobFileError, match="cannot read job file"):
        parse_jobfile(tmp_path / "nope.fio")


def test_job_name_option_overrides_section() -> None:
    assert job("[a]\nname=renamed\n").name == "renamed"
    assert job("[global]\nname=g\n[a]\n").name == "a"
