"""``/ui/download``: the profile as the page shows it, as gzipped pprof.

pprof's own ``/ui/download`` hands back the whole profile whatever the page filters; here the
download keeps what the page keeps: the diff (new minus base) when there is a base, then the tag
filters and the frame filters (focus, ignore, hide, show, show from), every sample type and label
kept, so ``go tool pprof`` on the file shows what the page showed.  The frame filters are the graph
layer's own, so the file and the views can never disagree about what a regex matches.
"""

from __future__ import annotations

from perfkit.graph import GraphOptions
from perfkit.graph.options import sample_column
from perfkit.graph.prepare import _Filters  # the views' filters, reused so the file matches them
from perfkit.model import Profile
from perfkit.web.session import Session

__all__ = ["filtered_profile", "pprof_bytes"]

_NOT_SEEN = -1  #: a stack not looked at yet (stack ids are never negative)


def filtered_profile(profile: Profile, options: GraphOptions, base: Profile | None = None) -> Profile:
    """``profile`` (minus ``base``) with ``options``' tag and frame filters applied; the sample type
    the page showed becomes the file's default, so ``go tool pprof`` opens on it."""
    shown = sample_column(profile, options.sample_index)
    if base is not None:
        profile = profile.diff(base, normalize=options.normalize)
    if options.tagfocus or options.tagignore:
        from perfkit.tags import filter_tags

        profile = filter_tags(profile, options.tagfocus, options.tagignore, options=("tf", "ti"))
    keep = _Filters(options).for_frames(profile.frames)
    out = Profile(
        profile.sample_types,
        default_type=shown,
        period=profile.period,
        period_type=profile.period_type,
        metadata=profile.metadata,
    )
    frames, stacks, labelsets = profile.frames, profile.stacks, profile.labelsets
    new_stack: dict[int, int | None] = {}
    new_labels: dict[int, int] = {}
    columns = profile.values
    for i, (sid, lid) in enumerate(zip(profile.sample_stack, profile.sample_labels)):
        nsid = new_stack.get(sid, _NOT_SEEN)
        if nsid == _NOT_SEEN:
            kept = keep(stacks[sid])
            nsid = new_stack[sid] = None if kept is None else out.stack_id(tuple(out.frame_id(frames[f]) for f in kept))
        if nsid is None:
            continue
        nlid = new_labels.get(lid)
        if nlid is None:
            nlid = new_labels[lid] = out.labelset_id(labelsets[lid])
        out.add_ids(nsid, [column[i] for column in columns], nlid)
    return out


def pprof_bytes(session: Session, options: GraphOptions) -> bytes:
    """The filtered profile of ``session`` as gzipped pprof (one sample per stack and labels)."""
    from perfkit.formats import pprof

    with session.lock:
        profile = filtered_profile(session.profile, options, session.base)
    return pprof.write(profile)
