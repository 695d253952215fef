"""HTML for the simulated pages, in LiveRC's markup (written from scratch, not copied).

The structure mirrors the real pages described in ``shared/liverc/FACTS.md``:
the same classes, panels, address block, obfuscated e-mail, map query, stats
table, tiles and track-list rows, including LiveRC's quirks (raw ``&`` and
``"`` in text, an unencoded map query, relative "last updated" text).
"""

from __future__ import annotations

from collections.abc import Iterable

from track_sync_assets.domain import Activity
from track_sync_assets.simulator.tracks import SimTrack

MAPS_KEY = "SIMULATED-MAPS-KEY-NOT-REAL"
"""Stands in for LiveRC's own Maps API key in the map iframe."""

_ACTIVITY_ICONS = {
    Activity.RACING: '<i class="fa fa-flag-checkered fa-fw status_2"></i>',
    Activity.PRACTISING: '<i class="fa fa-clock-o fa-fw status_1"></i>',
    Activity.OFFLINE: '<i class="fa fa-power-off fa-fw status_0"></i>',
}


def text(value: str) -> str:
    """Text as LiveRC prints it: tags escaped, ``&`` and quotes left raw."""
    return value.replace("<", "&lt;").replace(">", "&gt;")


def attribute(value: str) -> str:
    """A double-quoted attribute value."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def char_refs(value: str) -> str:
    """Every character as a decimal character reference (LiveRC's e-mail obfuscation)."""
    return "".join(f"&#{ord(ch)};" for ch in value)


def _ad_slots_script() -> str:
    """Advert slot set-up of the size LiveRC's pages carry (invented; weight for parsers)."""
    slots = "".join(
        f"\t\t\t\tadSlots.push(ads.defineSlot('/0000000/Sim_Broadcast_{place}_{n}', "
        f"[[300, 100], [320, 50]], 'sim_slot_{place.lower()}_{n}').defineSizeMapping(mapping)"
        ".setCollapseEmptyDiv(false).addService(ads.pubads()));\n"
        for place in ("StaticTop", "HeaderFooter", "UnderChat", "BetweenSections")
        for n in range(1, 9)
    )
    return (
        '\t\t<script type="text/javascript">\n\t\t\tvar ads = ads || {};\n'
        "\t\t\tads.cmd = ads.cmd || [];\n\t\t\tvar adSlots = [];\n"
        "\t\t\tads.cmd.push(function()\n\t\t\t{\n"
        "\t\t\t\tvar mapping = ads.sizeMapping().addSize([768, 200], [300, 100])."
        "addSize([0, 0], [320, 50]).build();\n"
        f"{slots}"
        "\t\t\t\tads.pubads().enableSingleRequest();\n\t\t\t\tads.enableServices();\n"
        "\t\t\t});\n\t\t\t// reload ads every 2 minutes\n"
        "\t\t\tsetInterval(function() { ads.pubads().refresh(adSlots); return false; }, 120000);\n"
        "\t\t</script>"
    )


_AD_SLOTS_SCRIPT = _ad_slots_script()
_OVERLAYS = """
		<!-- Loading interface screen -->
		<div id="loading_overlay">
			<div id="user_status_modal" class="modal show" role="dialog">
				<div class="modal-dialog">
					<div class="modal-content">
						<div class="modal-body text-center">
							<p><strong>LOADING INTERFACE...</strong></p>
						</div>
					</div>
				</div>
			</div>
		</div>
		<div id="fly_in_bg"></div>
		<div id="fly_in"><div class="content"><div class="close_fly_in">close X</div><div class="ad"></div></div></div>
"""  # noqa: E501


def _page(title: str, content: str, *, side_links: str = "") -> str:
    return f"""
<!DOCTYPE html>
<html lang="en">

	<head>

		<!-- Document Type -->
		<meta charset="utf-8" />
		<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
		<meta name="viewport" content="width=device-width, initial-scale=1" />

		<!-- Page Info -->
		<title>{text(title)}</title>
		<meta name="robots" content="index, follow" />

		<link href="/vendor/bootstrap/css/bootstrap.min.css" rel="stylesheet" />
		<link href="/vendor/sb-admin-2/css/sb-admin-2.css" rel="stylesheet" />
		<link rel="stylesheet" type="text/css" href="/vendor/font-awesome/css/font-awesome.min.css" />
{_AD_SLOTS_SCRIPT}
		<script type="text/javascript">
			var domain = 'liverc.com';
		</script>
	</head>

	<body>

		<div id="fb-root"></div>

		<!-- Current User -->
		<pre class="hidden" id="user_profile_data">false</pre>

		<!-- Wrapper -->
		<div id="wrapper">

			<!-- Navigation -->
			<nav class="navbar navbar-default navbar-static-top" role="navigation">
				<div class="navbar-header fixed">
					<a class="navbar-brand" href="/"><div id="LRC-logo"></div></a>
				</div>

				<div class="navbar-default sidebar" role="navigation">
					<div class="sidebar-nav navbar-collapse collapse">
						<ul class="nav" id="side-menu">
							<li>
								<div style="display: table-cell; width: 1%">&nbsp;&nbsp;&nbsp;</div>
							</li>
							<li><a href="//live.liverc.com"><i class="fa fa-road fa-fw"></i> Switch Tracks</a></li>{side_links}
							<li><a href="https://www.livetimescoring.com" target="_blank"><i class="fa fa-download fa-fw"></i> Get LiveTime</a></li>
						</ul>
					</div>
				</div>
			</nav>

			<div id="page-wrapper">

{content}

			</div>
			<!-- /#page-wrapper -->

		</div>
		<!-- /#wrapper -->

		<!-- Modals -->
		<div id="modals"></div>
{_OVERLAYS}
		<script src="/js/global/global.default.min.js?1153"></script>
		<script src="/vendor/bootstrap/js/bootstrap.min.js"></script>

	</body>
</html>"""  # noqa: E501


# --- The track list ---

LIST_TITLE = "LiveRC :: Watch Live R/C Car Racing with Scoring and Video :: LiveRC"


def track_row(track: SimTrack) -> str:
    """One ``tr.clickable-row`` of the track list."""
    suffix = "live" if track.is_live else "results"
    video = "status_video_1" if track.has_live_video else "status_video_0"
    featured = (
        "\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
        '<i class="fa fa-star fa-fw status_featured"></i>'
        if track.is_featured
        else ""
    )
    event = (
        f'<div class="indent"><small>{text(track.latest_event_name)}</small></div>'
        if track.latest_event_name is not None
        else ""
    )
    return f"""\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t<tr class="clickable-row" data-href="//{track.slug}.liverc.com/{suffix}/">
											<td class="text-nowrap">
												<i class="fa fa-video-camera fa-fw {video}"></i>
												{_ACTIVITY_ICONS[track.activity]}{featured}
																								<br /><small><small>{text(track.last_updated_text)}</small></small>
											</td>
											<td><span class="hidden">seRC</span><a href="//{track.slug}.liverc.com/"><strong>{text(track.name)}</strong></a>{event}</td>
																			</tr>
"""  # noqa: E501


def track_list_page(tracks: Iterable[SimTrack]) -> str:
    """The track list (https://live.liverc.com/) with one row per track, in order."""
    rows = "".join(track_row(track) for track in tracks)
    content = f"""								<script>
	$(document).ready(function()
	{{
		$('.track_list').DataTable(
		{{
			'responsive': false,
			'paging': true,
			'pageLength': 100,
			'filter': true,
			'sort': false,
			'info': false
		}});
	}});
</script>

<div class="row page-breadcrumb">
	<div class="col-lg-12">
		<h1 class="page-header"><span class="fa fa-road"></span> Track List</h1>
	</div>
</div>

<div class="row">

	<div class="col-lg-6">

		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-road fa-fw"></i> Tracks</div>
			<div class="panel-body no_padding">
				<ul class="list-inline padding_container">
					<li><i class="fa fa-video-camera fa-fw status_video_1"></i> Live Video</li>
					<li><i class="fa fa-star fa-fw status_featured"></i> Featured Event</li>
					<li><i class="fa fa-flag-checkered fa-fw status_2"></i> Racing in Progress</li>
					<li><i class="fa fa-clock-o fa-fw status_1"></i> Open Practicing</li>
					<li><i class="fa fa-power-off fa-fw"></i> No Track Activity</li>
				</ul>

				<div class="table-responsive">
					<table class="table table-striped track_list" cellspacing="0" width="100%">
						<thead>
							<tr>
								<th class="col_min">Status</th>
								<th>Track Name</th>
							</tr>
						</thead>
						<tfoot>
							<tr>
								<th>Status</th>
								<th>Track Name</th>
							</tr>
						</tfoot>
						<tbody>
{rows}																					</tbody>
					</table>
				</div>

			</div>
		</div>

	</div>

</div>"""
    return _page(LIST_TITLE, content)


def maintenance_page() -> str:
    """What LiveRC answers (with a 200) while it is down for maintenance."""
    content = """<div class="row page-breadcrumb">
	<div class="col-lg-12">
		<h1 class="page-header"><span class="fa fa-wrench"></span> Down for Maintenance</h1>
	</div>
</div>

<div class="row">
	<div class="col-lg-12">
		<p>LiveRC is undergoing scheduled maintenance. We'll be back soon.</p>
	</div>
</div>"""
    return _page("LiveRC :: Scheduled Maintenance :: LiveRC", content)


# --- Track dashboards ---

_DASHBOARD_LINKS = """
							<li><a href="/"><i class="fa fa-dashboard fa-fw"></i> Track Dashboard</a></li>
							<li><a href="/live/"><i class="fa fa-hourglass fa-fw"></i> Watch Live</a></li>
							<li><a href="/results/"><i class="fa fa-list-ol fa-fw"></i> Race Results</a></li>
							<li><a href="/practice/"><i class="fa fa-clock-o fa-fw"></i> Practice Times</a></li>"""  # noqa: E501


def _tile(href: str, colour: str, icon: str, huge: str, stats: str, footer: str) -> str:
    return f"""
	<a href="{href}">
		<div class="col-lg-3 col-md-6 col-xs-6">
			<div class="panel panel-{colour}">
				<div class="panel-heading">
					<div class="row">
						<div class="col-xs-3">
							<i class="fa {icon} fa-4x"></i>
						</div>
						<div class="col-xs-9 text-right">
							<div class="huge">{huge}</div>
							<div class="stats">{stats}</div>
						</div>
					</div>
				</div>
				<div class="panel-footer">
					<span class="pull-left"><u>{footer}</u></span>
					<span class="pull-right"><i class="fa fa-arrow-circle-right"></i></span>
					<div class="clearfix"></div>
				</div>
			</div>
		</div>
	</a>
"""


def _tiles(track: SimTrack) -> str:
    if track.is_live:
        live = ('<i class="fa fa-check"></i>', "\n\t\t\t\t\t\t\t\tLIVE (Racing)\n\t\t\t\t\t\t\t")
        live_footer = "Watch Live Racing"
    else:
        live = ('<i class="fa fa-times"></i>', "\n\t\t\t\t\t\t\t\tTrack is Offline\t\t\t\t\t\t\t")
        live_footer = "Go to Live Interface"
    return (
        '<!-- Dashboard -->\n<div class="row dashboard_panels">\n\n\t<!-- Live -->'
        + _tile("/live/", "red", "fa-hourglass", live[0], live[1], live_footer)
        + "\n\t<!-- Results -->"
        + _tile(
            "/results/",
            "green",
            "fa-list-ol",
            f"{track.results_this_month:,}",
            "Results This Month",
            "View Current Event",
        )
        + "\n\t<!-- Practice -->"
        + _tile(
            "/practice/",
            "primary",
            "fa-clock-o",
            f"{track.sessions_this_month:,}",
            "Sessions This Month",
            "View Practice Sessions",
        )
        + "\n\t<!-- Videos -->"
        + _tile(
            "/videos/",
            "yellow",
            "fa-video-camera",
            f"{track.videos_this_month:,}",
            "Videos This Month",
            "Watch Videos",
        )
        + "\n</div>\n"
    )


def _address(track: SimTrack) -> str:
    local, domain = track.email.split("@", 1)
    phone = (
        f'<a href="tel:{attribute(track.phone)}">{text(track.phone)}</a>' if track.phone else "N/A"
    )
    website = attribute(track.website)
    tabs = "\t" * 7
    lines = (
        f"<br>{text(track.street_address)}",
        f"<br>{text(track.locality_line)}",
        f"<br>{text(track.country)}",
        f"<br>\n{tabs}",  # the empty line between the postal address and the contacts
    )
    contacts = (
        f'<br><abbr title="Phone">P:</abbr> {phone}',
        f'<br><abbr title="Website">W:</abbr> <a href="{website}" target="_blank">'
        f"{text(track.website)}</a>",
        f'<br><abbr title="E-Mail">E:</abbr> <a href="javascript:noSpam(\'{attribute(local)}\', '
        f'\'{attribute(domain)}\');" target="_blank">{char_refs(track.email)}</a>',
    )
    body = tabs.join(lines) + tabs.join(contacts)
    return f"""<address class="small">
{tabs}<strong>{text(track.name)}</strong>
{tabs}{body}{tabs[1:]}</address>"""


def _description(track: SimTrack) -> str:
    if not track.description:
        return ""
    lines = track.description.split("\n")
    # LiveRC keeps what the track typed, trailing spaces included on some lines.
    typed = [line + (" " if index % 3 == 1 else "") for index, line in enumerate(lines)]
    body = "<br />\n".join(text(line) for line in typed)
    return f"""
					<div class="row">
						<div class="col-md-12">
							<hr />
							{body}\t\t\t\t\t\t</div>
					</div>
"""


def _about_panel(track: SimTrack) -> str:
    logo = (
        f"""
							<p class="text-right">
								<img src="{attribute(track.logo_url)}">
							</p>
"""
        if track.logo_url
        else ""
    )
    return f"""
		<!-- About -->
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-flag fa-fw"></i> About {text(track.name)}</div>
			<div class="panel-body">

				<div class="row">
					<div class="col-sm-4">
						{_address(track)}
					</div>

					<div class="col-sm-8">{logo}
					</div>
				</div>
{_description(track)}
			</div>
			<!-- /.panel-body -->
		</div>
"""  # noqa: E501


def _map_panel(track: SimTrack) -> str:
    src = f"https://www.google.com/maps/embed/v1/place?key={MAPS_KEY}&q={track.map_query}"
    return f"""
		<!-- Track Map -->
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-map-marker fa-fw"></i> Track Map</div>
			<div class="panel-body no-padding">
				<iframe width="100%" onload="$(this).css('height', ($(this).width()*.6)+'px');" frameborder="0" style="border: 0" src="{src}" allowfullscreen></iframe>
			</div>
			<!-- /.panel-body -->
		</div>
"""  # noqa: E501


def _stats_panel(track: SimTrack) -> str:
    rows = "".join(
        f"""
						<tr>
							<th>{label}</th>
							<td class="text-right">{value:,}</td>
						</tr>"""
        for label, value in (
            ("Laps", track.total_laps),
            ("Practice Sessions", track.total_practice_sessions),
            ("Races", track.total_races),
            ("Entries", track.total_entries),
            ("Events", track.total_events),
        )
    )
    return f"""
		<!-- Lifetime Track Stats -->
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-line-chart fa-fw"></i> Lifetime Track Stats</div>
			<div class="panel-body no_padding">

				<table class="table">
					<tbody>{rows}
					</tbody>
				</table>

			</div>
		</div>
"""  # noqa: E501


def _facebook_panel(track: SimTrack) -> str:
    if not track.facebook_url or not track.facebook_panel:
        return "\n\t\t<!-- Facebook -->\n"
    url = attribute(track.facebook_url)
    if track.facebook_panel == "page":
        return f"""
		<!-- Facebook -->
					<div class="panel panel-default">
				<div class="panel-heading"><i class="fa fa-facebook-square fa-fw"></i> Facebook Page</div>
				<div class="panel-body">
											<a href="{url}" target="_blank">{text(track.facebook_url)}</a>
									</div>
				<!-- /.panel-body -->
			</div>
"""  # noqa: E501
    return f"""
		<!-- Facebook -->
					<div class="panel panel-default">
				<div class="panel-heading"><i class="fa fa-facebook-square fa-fw"></i> Facebook Feed</div>
				<div class="panel-body no-padding">
											<div class="fb-page" data-width="500px" data-height="800px" data-href="{url}" data-tabs="timeline" data-small-header="false" data-adapt-container-width="true" data-hide-cover="false" data-show-facepile="true"><blockquote cite="{url}" class="fb-xfbml-parse-ignore"><a href="{url}">{text(track.name)}</a></blockquote></div>
									</div>
				<!-- /.panel-body -->
			</div>
"""  # noqa: E501


def dashboard_page(track: SimTrack, *, with_about: bool = True) -> str:
    """A track's dashboard (https://{slug}.liverc.com/); ``with_about=False`` is malformed."""
    content = f"""								<div class="row page-breadcrumb">
	<div class="col-lg-12">
		<h1 class="page-header"><span class="fa fa-dashboard"></span> {text(track.name)}'s Dashboard</h1>
	</div>
</div>

{_tiles(track)}
<div class="row">

	<div class="col-lg-8">
{_about_panel(track) if with_about else ""}{_map_panel(track)}

	</div>

	<div class="col-lg-4">

{_stats_panel(track)}{_facebook_panel(track)}
	</div>

</div>"""  # noqa: E501
    title = f"{track.name} :: Broadcast and Results :: LiveRC"
    return _page(title, content, side_links=_DASHBOARD_LINKS)
