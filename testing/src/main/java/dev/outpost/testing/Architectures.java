package dev.outpost.testing;

import dev.outpost.model.OnnxModel;

/** The full ImageNet topologies of {@link TinyModels}, written against {@link NetBuilder}. Stateless. */
final class Architectures {

    private Architectures() {
    }

    /** ResNet-50 v1.5: stem, stages of [3,4,6,3] bottlenecks of width 64..512 (expansion 4), classifier. */
    static OnnxModel resnet50(NetBuilder net) {
        String x = net.input(TinyModels.INPUT, 3, 224, 224);
        x = net.maxPool(net.relu(net.conv(x, 64, 7, 2, 1)), 3, 2, 1);
        int[] blocks = {3, 4, 6, 3};
        long[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            for (int block = 0; block < blocks[stage]; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                long width = widths[stage];
                String branch = net.relu(net.conv(x, width, 1, 1, 1));
                branch = net.relu(net.conv(branch, width, 3, stride, 1));
                branch = net.conv(branch, width * 4, 1, 1, 1);
                String shortcut = block == 0 ? net.conv(x, width * 4, 1, stride, 1) : x;
                x = net.relu(net.add(branch, shortcut));
            }
        }
        x = net.gemm(net.flatten(net.globalAveragePool(x)), 1000);
        return net.output(x, TinyModels.OUTPUT);
    }

    /** MobileNetV2 1.0: inverted residual settings (t, c, n, s) from the paper, 1280-channel head, classifier. */
    static OnnxModel mobileNetV2(NetBuilder net) {
        String x = net.input(TinyModels.INPUT, 3, 224, 224);
        x = net.relu6(net.conv(x, 32, 3, 2, 1));
        long inChannels = 32;
        int[][] settings = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1},
            {6, 160, 3, 2}, {6, 320, 1, 1}};
        for (int[] setting : settings) {
            int expansion = setting[0];
            long outChannels = setting[1];
            for (int block = 0; block < setting[2]; block++) {
                int stride = block == 0 ? setting[3] : 1;
                long hidden = inChannels * expansion;
                String y = x;
                if (expansion != 1) {
                    y = net.relu6(net.conv(y, hidden, 1, 1, 1));
                }
                y = net.relu6(net.conv(y, hidden, 3, stride, hidden));
                y = net.conv(y, outChannels, 1, 1, 1);
                x = stride == 1 && inChannels == outChannels ? net.add(y, x) : y;
                inChannels = outChannels;
            }
        }
        x = net.relu6(net.conv(x, 1280, 1, 1, 1));
        x = net.gemm(net.flatten(net.globalAveragePool(x)), 1000);
        return net.output(x, TinyModels.OUTPUT);
    }
}
